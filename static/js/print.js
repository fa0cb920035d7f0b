// "Print this page": the button is hidden in the HTML and shown here, where it can work.
(function () {
  var holder = document.querySelector(".print-page");
  if (!holder || typeof window.print !== "function") return;
  holder.querySelector("button").addEventListener("click", function () {
    window.print();
  });
  holder.hidden = false;
})();
