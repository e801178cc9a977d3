"""Channel webhooks under `/hooks/<channel>/`.

E-mail needs none (it arrives through `filrouge smtpd`); each webhook channel
(SMS, WhatsApp, X, phone) adds its route here, pointing at its own `views.py`.
"""

from django.urls import path

from filrouge.channels.phone import views as phone_views
from filrouge.channels.sms import views as sms_views
from filrouge.channels.whatsapp import views as whatsapp_views
from filrouge.channels.x import views as x_views

app_name = "channels"
urlpatterns = [
    path("sms/", sms_views.inbound, name="sms"),
    path("sms/status/", sms_views.status, name="sms-status"),
    path("whatsapp/", whatsapp_views.webhook, name="whatsapp"),
    path("x/", x_views.webhook, name="x"),
    path("phone/", phone_views.webhook, name="phone"),
    path("phone/asterisk/", phone_views.asterisk_webhook, name="phone-asterisk"),
]
