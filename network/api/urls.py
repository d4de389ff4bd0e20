"""API routes of the actor network, mounted under ``/api/v1/``. These names are a
contract used by outside scripts."""

from django.urls import path

from network.api import views

urlpatterns = [
    path(
        "projects/<int:project_id>/actors/",
        views.ActorListView.as_view(),
        name="api-actors",
    ),
    path(
        "projects/<int:project_id>/actors/<int:actor_id>/merge/",
        views.ActorMergeView.as_view(),
        name="api-actor-merge",
    ),
    path(
        "projects/<int:project_id>/flows/",
        views.FlowTypeListView.as_view(),
        name="api-flows",
    ),
    path(
        "projects/<int:project_id>/network/",
        views.NetworkView.as_view(),
        name="api-network",
    ),
]
