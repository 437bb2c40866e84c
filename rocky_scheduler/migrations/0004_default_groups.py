from django.contrib.auth.management import create_permissions
from django.db import migrations

# Who may do what (docs/security.md): readers see, analysts steer the queue, workers push and pop.
GROUPS = {
    "scheduler-readonly": ["view_task", "view_taskevent", "view_schedule", "view_scheduler"],
    "scheduler-analysts": [
        "view_task",
        "view_taskevent",
        "view_schedule",
        "view_scheduler",
        "reprioritise_task",
        "cancel_task",
    ],
    "scheduler-workers": ["view_task", "view_schedule", "view_scheduler", "push_task", "pop_task"],
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="rocky_scheduler", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("rocky_scheduler", "0003_task_permissions_activity_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
