// Small form behaviours, declared in the markup instead of inline handlers (the
// Content-Security-Policy allows no inline script):
//   <select data-autosubmit>          submits its form when the choice changes
//   <form data-confirm="question">    asks first; "Cancel" does not submit
//   <form data-disable="#button">     disables that button once the form is sent
//   <form data-disable="submit">      disables the form's own submit button
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) select.form.submit();
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  const selector = form.dataset.disable;
  if (selector) {
    const target = selector === "submit"
      ? form.querySelector("button[type=submit], button:not([type])")
      : document.querySelector(selector);
    if (target) target.disabled = true;
  }
});

//   <a href="fallback" data-back>     goes back in history (the href without one)
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
