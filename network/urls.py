"""Pages of the actor network (namespace ``network:``)."""

app_name = "network"

urlpatterns: list = []
