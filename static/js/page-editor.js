// The page editor (django-markdownx) treats every answer from the server as a success.
// A refused upload would leave "Invalid response" in the text, and an answer that is not
// JSON (an error page from a proxy) would throw and leave the editor dimmed. This shows
// the server's message under the editor instead, takes markdownx's "Invalid response"
// back out of the text, and undims the editor.
(function () {
  "use strict";
  var INSERTED_ON_ERROR = "Invalid response"; // markdownx/js/markdownx.js, XHR_RESPONSE_ERROR
  var UNREADABLE = "The image could not be uploaded: the server did not answer as expected. " +
    "Reload the page and try again.";

  function say(box, message) {
    var status = box.querySelector(".page-editor-status");
    if (status) {
      status.textContent = message;
      status.classList.toggle("errornote", Boolean(message));
    }
  }

  function undim(editor) {
    editor.style.opacity = "";
  }

  // markdownx inserts its text just after firing the error event, and leaves the cursor
  // after it; once it has, take it out again and refresh the preview.
  function removeInsertedText(editor) {
    setTimeout(function () {
      var end = editor.selectionStart;
      var start = end - INSERTED_ON_ERROR.length;
      if (start >= 0 && editor.value.slice(start, end) === INSERTED_ON_ERROR) {
        editor.value = editor.value.slice(0, start) + editor.value.slice(end);
        editor.selectionStart = editor.selectionEnd = start;
        editor.dispatchEvent(new Event("input"));
      }
      undim(editor);
    }, 0);
  }

  function uploadFailed(event) {
    var box = event.target;
    var answer = event.detail && event.detail[0];
    var message = answer && typeof answer.error === "string" ? answer.error :
      "The image could not be uploaded: the server could not be reached. Try again.";
    say(box, message);
    removeInsertedText(box.querySelector(".markdownx-editor"));
  }

  // markdownx's events do not bubble, so listen while they travel down to the editor.
  document.addEventListener("markdownx.fileUploadError", uploadFailed, true);
  document.addEventListener("fileUploadError", uploadFailed, true); // its name on network errors
  document.addEventListener("markdownx.fileUploadEnd", function (event) {
    say(event.target, "");
  }, true);

  // The preview's own refusals are a short note markdownx puts in the pane as it is. A
  // whole HTML page (a proxy's error page) or no answer at all gets a note of ours instead.
  function previewFailed(box) {
    var note = document.createElement("p");
    note.className = "errornote";
    note.textContent = "The preview could not be updated. Reload the page and try again.";
    box.querySelector(".markdownx-preview").replaceChildren(note);
  }
  document.addEventListener("markdownx.update", function (event) {
    if (/^\s*<(!doctype|html)/i.test(String(event.detail && event.detail[0]))) {
      previewFailed(event.target);
    }
  }, true);
  document.addEventListener("markdownx.updateError", function (event) {
    previewFailed(event.target);
  }, true);

  // An upload answer that is not JSON makes markdownx's JSON.parse throw while the editor
  // is still dimmed for the upload.
  window.addEventListener("error", function (event) {
    if (!(event.error instanceof SyntaxError) || !/markdownx/.test(event.error.stack || "")) {
      return;
    }
    document.querySelectorAll(".markdownx").forEach(function (box) {
      var editor = box.querySelector(".markdownx-editor");
      if (editor && editor.style.opacity && editor.style.opacity !== "1") {
        say(box, UNREADABLE);
        undim(editor);
        event.preventDefault();
      }
    });
  });
})();
