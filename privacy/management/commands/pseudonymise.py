"""``python manage.py pseudonymise PROJECT_ID [--apply-accepted]``

Computes suggestions for every transcript of the project not yet pseudonymised (in
this process; the lookup structures load first). With ``--apply-accepted``, every
transcript whose suggestions are all decided is then pseudonymised (the accepted
originals replaced for good); transcripts with suggestions still to review are
named and left as they are.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coding.models import Document, Project
from privacy.models import Decision, ReviewStatus, Suggestion
from privacy.services.apply import document_pseudonymise
from privacy.services.suggestions import suggestions_compute, word_list_prefill


class Command(BaseCommand):
    help = "Suggest pseudonyms for a project's transcripts; optionally apply the accepted ones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project_id", type=int)
        parser.add_argument(
            "--apply-accepted",
            action="store_true",
            help="Pseudonymise every transcript whose suggestions are all decided.",
        )
        parser.add_argument(
            "--as-user",
            default="",
            help="User name recorded as the actor (default: the project's first owner).",
        )

    def handle(
        self, *args, project_id: int, apply_accepted: bool, as_user: str, **options
    ):
        project = Project.objects.filter(pk=project_id).first()
        if project is None:
            raise CommandError(f"No project {project_id}.")
        actor = self._actor(project, as_user)
        word_list_prefill(project=project)
        documents = Document.objects.filter(project=project).exclude(
            privacy_review__status=ReviewStatus.CONFIRMED
        )
        for document in documents:
            found = suggestions_compute(document=document)
            self.stdout.write(
                f"{document.pk}\t{document.title}\t{found} suggestion(s) to review"
            )
        if not apply_accepted:
            return
        for document in Document.objects.filter(project=project).exclude(
            privacy_review__status=ReviewStatus.CONFIRMED
        ):
            pending = Suggestion.objects.filter(
                document=document, decision=Decision.PENDING
            )
            if pending.exists():
                self.stdout.write(
                    f"{document.pk}\t{document.title}\tskipped: suggestions to review"
                )
                continue
            review = document_pseudonymise(document=document, actor=actor)
            self.stdout.write(
                f"{document.pk}\t{document.title}\tpseudonymised ({review.replaced} replacement(s))"
            )

    def _actor(self, project: Project, as_user: str):
        if as_user:
            user = get_user_model().objects.filter(username=as_user).first()
            if user is None:
                raise CommandError(f"No user {as_user!r}.")
            return user
        owner = project.memberships.filter(role="owner").select_related("user").first()
        return owner.user if owner else None
