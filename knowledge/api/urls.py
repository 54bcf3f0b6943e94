"""`/api/v1/kb/…`"""

from rest_framework.routers import SimpleRouter

from . import views

app_name = "kb-api"

router = SimpleRouter()
router.register("articles", views.ArticleViewSet, basename="article")
router.register("usage", views.ArticleUsageViewSet, basename="usage")

urlpatterns = router.urls
