from projects.views.forms import form_detail, form_list

__all__ = ["form_detail", "form_list"]
