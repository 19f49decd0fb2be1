// The member's "Paylaş" button: the phone's own share sheet where there is one (WhatsApp,
// Instagram, SMS...), otherwise the link is copied. No inline script: the CSP.
document.querySelectorAll("[data-share-url]").forEach((button) => {
  const root = button.closest("[data-share-root]");
  const status = root ? root.querySelector("[data-share-status]") : null;
  button.addEventListener("click", async () => {
    const url = button.dataset.shareUrl;
    const title = button.dataset.shareTitle;
    if (navigator.share) {
      try {
        await navigator.share({ title, text: title, url });
        return;
      } catch (err) {
        if (err && err.name === "AbortError") return; // she closed the sheet
      }
    }
    try {
      await navigator.clipboard.writeText(url);
      if (status) status.textContent = button.dataset.shareCopied;
    } catch (err) {
      if (status) status.textContent = url;
    }
  });
});
