// Progressive enhancement: a link to /faqs/#question opens that question's answer.
// Without JavaScript every question still opens with a click.
(function () {
  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var item = id && document.getElementById(id);
    if (item && item.tagName === "DETAILS") {
      item.open = true;
      item.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
