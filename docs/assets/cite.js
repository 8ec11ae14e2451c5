// A "Copy" button after each citation (.dm-cite-text), put there by this script: without script the
// citation is plain text to select, and no button stands there doing nothing. Nothing is fetched.
// The button says what it did in its own label and in a status line read out by screen readers.

function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  return Promise.reject(new Error("no clipboard"));
}

function selectContents(element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

function addButton(citation) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "dm-copy md-button";
  button.textContent = "Copy citation";
  const status = document.createElement("span");
  status.className = "dm-copy-status";
  status.setAttribute("role", "status");
  button.addEventListener("click", () => {
    const text = citation.textContent.replace(/\s+/g, " ").trim();
    copyText(text).then(
      () => {
        button.textContent = "Copied";
        status.textContent = "Citation copied to the clipboard.";
        button.dispatchEvent(new CustomEvent("dm-copied", { bubbles: true, detail: text }));
      },
      () => {
        selectContents(citation);
        status.textContent = "Citation selected: press Ctrl+C (or ⌘C) to copy it.";
      },
    );
  });
  const row = document.createElement("span");
  row.className = "dm-copy-row";
  row.append(button, status);
  citation.after(row);
}

document.querySelectorAll(".dm-cite-text").forEach(addButton);
