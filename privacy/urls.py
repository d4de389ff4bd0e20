"""Pages of data protection (namespace ``privacy:``); URL name == view function name."""

from django.urls import path

from privacy.views import key, privacy, review

app_name = "privacy"

D = "p/<int:project_id>/d/<int:document_id>/privacy/"
P = "p/<int:project_id>/privacy/"

urlpatterns = [
    path(D, review.review, name="review"),
    path(f"{D}decide/", review.review_decide, name="review_decide"),
    path(f"{D}mark/", review.review_mark, name="review_mark"),
    path(f"{D}confirm/", review.review_confirm, name="review_confirm"),
    path(f"{D}suggest/", review.review_suggest, name="review_suggest"),
    path(P, privacy.privacy, name="privacy"),
    path(f"{P}settings/", privacy.privacy_settings_save, name="privacy_settings_save"),
    path(f"{P}words/", privacy.privacy_words, name="privacy_words"),
    path(f"{P}suggest/", privacy.privacy_suggest_all, name="privacy_suggest_all"),
    path(f"{P}summary/", privacy.privacy_summary, name="privacy_summary"),
    path(f"{P}erase/", privacy.privacy_erase, name="privacy_erase"),
    path(f"{P}key/", key.key, name="key"),
    path(f"{P}key/download/", key.key_download, name="key_download"),
    path(f"{P}key/destroy/", key.key_destroy_view, name="key_destroy"),
]
