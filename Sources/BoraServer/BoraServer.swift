// The HTTP server (issue 6) lands here.
