// After the browser registers a passkey (django-otp-webauthn's register script), go on to the
// next page: the recovery codes at first sign-in, else the sign-in security page.
document.addEventListener("otp_webauthn.register_complete", () => {
  const page = document.getElementById("passkey-setup");
  if (page) window.location.assign(page.dataset.doneUrl);
});
