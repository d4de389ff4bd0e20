"""Pages of the actor network (namespace ``network:``); URL name == view function name."""

from django.urls import path

from network import views

app_name = "network"

urlpatterns = [
    path("p/<int:project_id>/network/", views.network, name="network"),
    path(
        "p/<int:project_id>/network/<int:snapshot_id>/status/",
        views.network_status,
        name="network_status",
    ),
    path(
        "p/<int:project_id>/network/<int:snapshot_id>/rebuild/",
        views.network_rebuild,
        name="network_rebuild",
    ),
    path(
        "p/<int:project_id>/network/<int:snapshot_id>/tie/",
        views.network_tie,
        name="network_tie",
    ),
    path(
        "p/<int:project_id>/network/<int:snapshot_id>/actors/<int:actor_id>/",
        views.network_actor,
        name="network_actor",
    ),
    path("p/<int:project_id>/actors/", views.actors, name="actors"),
    path("p/<int:project_id>/actors/new/", views.actors_create, name="actors_create"),
    path(
        "p/<int:project_id>/actors/<int:actor_id>/edit/",
        views.actors_update,
        name="actors_update",
    ),
    path("p/<int:project_id>/actors/merge/", views.actors_merge, name="actors_merge"),
    path("p/<int:project_id>/actors/setup/", views.actors_setup, name="actors_setup"),
    path(
        "p/<int:project_id>/d/<int:document_id>/relation/",
        views.workbench_relation_form,
        name="workbench_relation_form",
    ),
    path(
        "p/<int:project_id>/d/<int:document_id>/relation/new/",
        views.workbench_relation_create,
        name="workbench_relation_create",
    ),
    path(
        "p/<int:project_id>/d/<int:document_id>/relation/<int:coding_id>/",
        views.workbench_relation_edit,
        name="workbench_relation_edit",
    ),
]
