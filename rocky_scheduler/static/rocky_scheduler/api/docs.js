"use strict";
// Starts Swagger UI on the API's schema. A file rather than an inline script, so the page runs under a
// Content-Security-Policy of script-src 'self' (Rocky's); the schema URL and CSRF token come from the page.
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  const csrfToken = root.dataset.csrfToken;
  window.ui = SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    // The public validator would be a request to another site (and a CSP violation).
    validatorUrl: null,
    // "Try it out" with the browser's session: Django wants the CSRF token on unsafe methods.
    requestInterceptor: (request) => {
      if (csrfToken && !["GET", "HEAD", "OPTIONS"].includes((request.method || "GET").toUpperCase())) {
        request.headers["X-CSRFToken"] = csrfToken;
      }
      return request;
    },
  });
});
