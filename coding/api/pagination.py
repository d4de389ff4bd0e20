"""Page-number pagination with a client-chosen page size (up to 1,000)."""

from django.core.paginator import Page
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def paginate_queryset(self, queryset, request, view=None):
        """DRF's, except for the first page: its rows are read with one more,
        and when that one is missing the rows read are all there are, so no
        ``COUNT`` query is needed (a transcript's codings, a project's codes)."""
        page_size = self.get_page_size(request)
        if not page_size or self.page_query_param in request.query_params:
            return super().paginate_queryset(queryset, request, view)
        rows = list(queryset[: page_size + 1])
        if len(rows) <= page_size:
            paginator = self.django_paginator_class(rows, page_size)
        else:  # counted when the answer asks for it
            paginator = self.django_paginator_class(queryset, page_size)
        self.request = request
        self.page = Page(rows[:page_size], 1, paginator)
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        return self.page.object_list
