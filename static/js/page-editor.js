// The page editor (django-markdownx) treats every answer from the server as a success.
// A refused upload would leave "Invalid response" in the text, and an answer that is not
// JSON (an error page from a proxy) would throw and leave the editor dimmed. This shows
// the server's message under the editor instead, puts the text back as it was, and undims
// the editor. A good upload's image code is moved onto a line of its own, with its
// placeholder alt text selected so the editor types the description over it.
(function () {
  "use strict";
  var INSERTED_ON_ERROR = "Invalid response"; // markdownx/js/markdownx.js, XHR_RESPONSE_ERROR
  var UNREADABLE = "The image could not be uploaded: the server did not answer as expected. " +
    "Reload the page and try again.";

  function say(box, message, isError) {
    var status = box.querySelector(".page-editor-status");
    if (status) {
      status.textContent = message;
      status.classList.toggle("errornote", Boolean(isError));
    }
  }

  function undim(editor) {
    editor.style.opacity = "";
  }

  // Right after firing the error event, markdownx replaces the selection with its text (and
  // the browser moves the cursor to the end). Note the text and selection as they are now,
  // and once markdownx has inserted, put them back and refresh the preview.
  function keepTextAsItIs(editor) {
    var before = editor.value;
    var start = editor.selectionStart;
    var end = editor.selectionEnd;
    setTimeout(function () {
      if (editor.value === before.slice(0, start) + INSERTED_ON_ERROR + before.slice(end)) {
        editor.value = before;
        editor.setSelectionRange(start, end);
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
    say(box, message, true);
    keepTextAsItIs(box.querySelector(".markdownx-editor"));
  }

  // markdownx has put the code where the cursor was: give it a paragraph of its own and
  // select the placeholder between the square brackets. The server names every upload
  // afresh, so the code occurs once.
  function placeImage(editor, code) {
    var at = editor.value.indexOf(code);
    var alt = /^!\[([^\]]*)\]/.exec(code);
    if (at < 0 || !alt) {
      return false;
    }
    var before = editor.value.slice(0, at).replace(/[ \t]+$/, "");
    var after = editor.value.slice(at + code.length).replace(/^[ \t]+/, "");
    var lead = before === "" || /\n\n$/.test(before) ? "" : /\n$/.test(before) ? "\n" : "\n\n";
    var trail = after === "" ? "\n" : /^\n\n/.test(after) ? "" : /^\n/.test(after) ? "\n" : "\n\n";
    editor.value = before + lead + code + trail + after;
    var start = before.length + lead.length + 2; // after "!["
    editor.focus();
    editor.setSelectionRange(start, start + alt[1].length);
    editor.dispatchEvent(new Event("input"));
    return true;
  }

  function uploadDone(event) {
    var box = event.target;
    var answer = event.detail && event.detail[0];
    var placed = answer && typeof answer.image_code === "string" &&
      placeImage(box.querySelector(".markdownx-editor"), answer.image_code);
    say(box, placed ? "Image uploaded. Type what it shows in place of the selected words." : "");
  }

  // markdownx's events do not bubble, so listen while they travel down to the editor.
  document.addEventListener("markdownx.fileUploadError", uploadFailed, true);
  document.addEventListener("fileUploadError", uploadFailed, true); // its name on network errors
  document.addEventListener("markdownx.fileUploadEnd", uploadDone, true);

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
        say(box, UNREADABLE, true);
        undim(editor);
        event.preventDefault();
      }
    });
  });
})();
