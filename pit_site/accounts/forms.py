from django import forms


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        # People copy codes with spaces ("123 456") or as written on paper.
        return "".join(self.cleaned_data["code"].split()).lower()


class ResetForm(forms.Form):
    reason = forms.CharField(
        label="Why are you resetting their second factors?",
        max_length=300,
        help_text="For example: lost phone, reported by phone on 3 March. Kept in the audit trail.",
    )
