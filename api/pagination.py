"""Cursor pagination on a stable, unique order (the rows' keys)."""

from rest_framework.pagination import CursorPagination


class KeyCursorPagination(CursorPagination):
    page_size = 100
    max_page_size = 500
    page_size_query_param = "page_size"
    ordering = "key"
