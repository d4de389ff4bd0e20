"""Pages of the actor network (namespace ``network:``); URL name == view function name."""

from django.urls import path

from network.views import actors as actor_views
from network.views import network as network_views
from network.views import relation_form

app_name = "network"

urlpatterns = [
    path("p/<int:project_id>/network/", network_views.network, name="network"),
    path(
        "p/<int:project_id>/network/<int:snapshot_id>/status/",
        network_views.network_status,
        name="network_status",
    ),
    path(
        "p/<int:project_id>/network/<int:snapshot_id>/rebuild/",
        network_views.network_rebuild,
        name="network_rebuild",
    ),
    path(
        "p/<int:project_id>/network/<int:snapshot_id>/tie/",
        network_views.network_tie,
        name="network_tie",
    ),
    path(
        "p/<int:project_id>/network/<int:snapshot_id>/actors/<int:actor_id>/",
        network_views.network_actor,
        name="network_actor",
    ),
    path("p/<int:project_id>/actors/", actor_views.actors, name="actors"),
    path(
        "p/<int:project_id>/actors/new/",
        actor_views.actors_create,
        name="actors_create",
    ),
    path(
        "p/<int:project_id>/actors/<int:actor_id>/edit/",
        actor_views.actors_update,
        name="actors_update",
    ),
    path(
        "p/<int:project_id>/actors/merge/",
        actor_views.actors_merge,
        name="actors_merge",
    ),
    path(
        "p/<int:project_id>/actors/setup/",
        actor_views.actors_setup,
        name="actors_setup",
    ),
    path(
        "p/<int:project_id>/d/<int:document_id>/relation/",
        relation_form.workbench_relation_form,
        name="workbench_relation_form",
    ),
    path(
        "p/<int:project_id>/d/<int:document_id>/relation/new/",
        relation_form.workbench_relation_create,
        name="workbench_relation_create",
    ),
    path(
        "p/<int:project_id>/d/<int:document_id>/relation/<int:coding_id>/",
        relation_form.workbench_relation_edit,
        name="workbench_relation_edit",
    ),
]
