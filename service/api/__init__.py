"""The wire: the FastAPI app, its dependencies, middleware and error handlers, and the
REST, stream, live and page routes. The only folder of the service that imports FastAPI
or Starlette."""
