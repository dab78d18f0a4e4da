"""Opening branches with no engineer on site: one-time links e-mailed to the person at the
branch (`invitations`, `mail`); a site's lifecycle lives in `controller.store.ztp_store`."""
