"""Breaks of error answers and auth: an error's status and body, and the 401."""

from __future__ import annotations

from .core import ContractBreak, ErrorAnswer, error_code


class InvalidJson500(ContractBreak):
    """A body that is not JSON gets a 4xx; this answers 500."""

    name = "invalid_json_500"
    promise = "a non-JSON create body gets 4xx"
    symptom = "got 500"

    def error(self, answer: ErrorAnswer) -> ErrorAnswer:
        body = answer[1]
        return (500, body) if error_code(body) == "invalid_json" else answer


class ErrorNotJson(ContractBreak):
    """Error bodies are JSON; this sends plain text."""

    name = "error_not_json"
    promise = "error bodies are JSON matching the error schema"
    symptom = "response body is not JSON"

    def error(self, answer: ErrorAnswer) -> ErrorAnswer:
        status, body = answer
        error = body.get("error") if isinstance(body, dict) else body
        message = error.get("message") if isinstance(error, dict) else error
        return status, f"Error: {message}"


class ErrorWithoutErrorKey(ContractBreak):
    """Error bodies have a top-level "error"; this sends {"message": ...}."""

    name = "error_without_error_key"
    promise = "error bodies have a top-level 'error'"
    symptom = '"error" is a required property'

    def error(self, answer: ErrorAnswer) -> ErrorAnswer:
        status, body = answer
        error = body.get("error") if isinstance(body, dict) else body
        message = error.get("message") if isinstance(error, dict) else error
        return status, {"message": message}


class AuthNotEnforced(ContractBreak):
    """A missing, wrong or malformed key gets 401; this serves the request anyway."""

    name = "auth_not_enforced"
    promise = "API calls without a valid key get 401"
    symptom = "expected HTTP 401"

    def enforces_auth(self) -> bool:
        return False


class AuthError403(ContractBreak):
    """A bad key gets 401; this answers 403."""

    name = "auth_error_403"
    promise = "API calls without a valid key get 401"
    symptom = "got 403"

    def error(self, answer: ErrorAnswer) -> ErrorAnswer:
        status, body = answer
        return (403, body) if status == 401 else answer


AREA = (InvalidJson500, ErrorNotJson, ErrorWithoutErrorKey, AuthNotEnforced, AuthError403)
