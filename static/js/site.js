// Small progressive enhancements; every page works without them.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A row of the inspection sheet saves itself (htmx, one request after the
// other). Once the server has the photos a request carried, the file input
// is cleared so a later change does not send them again; photos picked
// meanwhile stay for the next request.
document.addEventListener("htmx:beforeRequest", (event) => {
  const form = event.detail.elt;
  if (form instanceof HTMLFormElement && form.hasAttribute("data-autosave")) {
    form.querySelectorAll("input[type=file]").forEach((input) => {
      input.sentFiles = Array.from(input.files || []);
    });
  }
});
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt;
  if (event.detail.successful && form instanceof HTMLFormElement && form.hasAttribute("data-autosave")) {
    form.querySelectorAll("input[type=file]").forEach((input) => {
      const current = Array.from(input.files || []);
      const sent = input.sentFiles || [];
      if (current.length && current.length === sent.length && current.every((file, i) => file === sent[i])) {
        input.value = "";
      }
    });
  }
});

// A row that could not reach the server says so, instead of looking saved.
for (const name of ["htmx:sendError", "htmx:responseError"]) {
  document.addEventListener(name, (event) => {
    const form = event.detail.elt;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-autosave")) {
      const state = document.querySelector(form.getAttribute("hx-target"));
      if (state) {
        const alert = document.createElement("div");
        alert.className = "alert alert-danger py-1 px-2 my-1 small text-start";
        alert.setAttribute("role", "alert");
        alert.dataset.testid = "item-unsaved";
        alert.textContent = form.dataset.unsaved;
        state.replaceChildren(alert);
      }
    }
  });
}
