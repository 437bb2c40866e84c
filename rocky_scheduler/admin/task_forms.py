"""The task's priority form: the one field a person sets on a task (the change form and the list's column)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator

from rocky_scheduler.errors import NOT_REPRIORITISABLE
from rocky_scheduler.models import Task, TaskStatus

# task_set_priority accepts these; the list shows the others' priority read-only.
REPRIORITISABLE = (TaskStatus.QUEUED, TaskStatus.PENDING)


class TaskPriorityForm(forms.ModelForm):
    """Priority is the one thing a person sets on a task, and only while it waits in the queue."""

    class Meta:
        model = Task
        fields = ("priority",)
        widgets = {"priority": forms.NumberInput(attrs={"class": "vIntegerField rocky-priority", "min": 1})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Not a declared field: the change form leaves priority out (read-only) for tasks not queued.
        field = self.fields.get("priority")
        # Absent (None) when left out; otherwise the model's integer field as an IntegerField.
        if not isinstance(field, forms.IntegerField):
            return
        field.min_value = 1
        field.validators.append(MinValueValidator(1))
        if self.instance.pk and self.instance.status not in REPRIORITISABLE:
            # Shown, not editable; clean_priority still refuses a change posted anyway.
            field.widget.attrs.update(readonly=True, title=NOT_REPRIORITISABLE.format(status=self.instance.status))

    def clean_priority(self) -> int:
        priority = self.cleaned_data["priority"]
        # The instance is read again on POST, so this sees the status at save time, not at page load.
        if priority != self.instance.priority and self.instance.status not in REPRIORITISABLE:
            raise ValidationError(NOT_REPRIORITISABLE.format(status=self.instance.status))
        return priority
