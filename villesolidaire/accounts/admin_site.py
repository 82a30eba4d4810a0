"""The Django admin's site: the second factor (django-otp), and a provisional password replaced
before any admin page, as before any staff page (accounts.perms)."""

from functools import update_wrapper

from django_otp.admin import OTPAdminSite

from villesolidaire.accounts.perms import redirect_to_password_change


class StaffAdminSite(OTPAdminSite):
    def admin_view(self, view, cacheable=False):
        # Inside the admin's own checks: signed in, staff and second factor come first.
        def replaced_password_first(request, *args, **kwargs):
            if request.user.password_is_provisional and view != self.logout:
                return redirect_to_password_change(request)
            return view(request, *args, **kwargs)

        return super().admin_view(update_wrapper(replaced_password_first, view), cacheable)
