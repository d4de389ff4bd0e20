"""One module per page; a page's htmx endpoints sit beside it as ``<page>_<action>``."""
