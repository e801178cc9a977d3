"""Channel webhooks under `/hooks/<channel>/`.

E-mail needs none (it arrives through `filrouge smtpd`); each webhook channel
(SMS, WhatsApp, X, phone) adds its route here, pointing at its own `views.py`.
"""

app_name = "channels"
urlpatterns: list = []
