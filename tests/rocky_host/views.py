"""Stand-ins for Rocky's own pages and API, so the scheduler meets the neighbours it has in Rocky."""

from django.http import HttpRequest, HttpResponse
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from tests.rocky_host.tools.models import Organization


def landing_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("rocky landing page")


def onboarding_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("rocky onboarding")


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "code", "name"]


class BrokenReportSerializer(serializers.Serializer):
    """Like Rocky's ReportSerializer, on which drf-spectacular fails when it walks all of Rocky's URLs."""

    @property
    def fields(self):
        raise AttributeError("'ReportSerializer' object has no attribute 'fields'")


class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    # Rocky's API takes its project defaults: knox tokens, staff only.
    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer


class ReportViewSet(viewsets.ViewSet):
    serializer_class = BrokenReportSerializer

    def list(self, request):
        return Response([])
