"""The wire: the FastAPI app, authentication and the REST, stream and live routes. The only folder of the service that imports FastAPI or Starlette."""
