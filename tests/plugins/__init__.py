"""TEST ONLY: behaviour that tests install into a child process (crash switches…). Product code
exposes neutral extension points and never reads a test switch itself."""
