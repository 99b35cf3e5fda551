"""HTTP plumbing shared by every resource router: the request context and dependencies,
middleware, CORS, problem details, input guards, rate limits and the OpenAPI schema."""
