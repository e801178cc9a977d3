from django.urls import path

from filrouge.agent import views

app_name = "agent"
urlpatterns = [
    path("", views.home, name="home"),
]
