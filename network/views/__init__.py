"""Pages of the actor network, one module per page: ``network`` (the drawing),
``actors`` (the actors page) and ``relation_form`` (the document page's relation
form). Every view starts from ``access_project``/``access_document``.
"""
