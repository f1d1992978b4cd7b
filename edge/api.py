"""The edge's request and response models: the handlers answer through them, and `edge.openapi` publishes their
JSON Schemas, so the document says what the edge does."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crb.lifecycle import Status
from crb.quiz import Quiz
from crb.report import Teaser


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)

    def body(self) -> dict[str, Any]:
        """As JSON: `web.json_response(model.body())`."""
        return self.model_dump(mode="json")


# ---- requests -----------------------------------------------------------------------------------------------


class AnswersBody(_Model):
    """`PUT /api/sessions/{id}/answers`: answers to merge, by question id (null takes one back), and answers the
    customer confirms (an extreme value the edge asked about); either may be left out, not both."""

    answers: Annotated[dict[str, Any], Field(description="question id → value; null takes it back")] = {}
    confirm: Annotated[dict[str, Any], Field(description="question id → the value confirmed")] = {}


class CheckoutBody(_Model):
    """`POST /api/sessions/{id}/checkout`."""

    email: str = Field(description="where the report and the payment's emails go", max_length=254)
    tier: Annotated[str, Field(description="a tier id of `GET /api/quiz`")] = "report"


# ---- responses ----------------------------------------------------------------------------------------------


class TierView(_Model):
    id: str
    name: str
    amount: int = Field(description="in the currency's minor unit (cents)")
    currency: str


class QuizDocument(Quiz):
    """The quiz, and the tiers on sale."""

    tiers: tuple[TierView, ...]


class SessionCreated(_Model):
    id: uuid.UUID
    token: str = Field(description="the session's bearer token: `Authorization: Bearer <token>` on its routes")
    status: Literal["in_progress"]


class ToConfirm(_Model):
    """An extreme answer the customer must confirm (`confirm` in the next save) before completing."""

    field: str
    value: float | int
    message: str


class ReportState(_Model):
    status: Literal["none", "pending", "generating", "ready", "failed", "superseded"]
    download_url: Annotated[str | None, Field(description="once ready, while the session may still have it")] = None


class CheckoutState(_Model):
    last_event: str | None = Field(description="why the last checkout did not pay, while it lasts")


class InvoiceLink(_Model):
    number: str | None
    url: str


class CallView(_Model):
    minutes: int
    booking_url: str | None


class OrderView(_Model):
    reference: str
    amount: str = Field(description='the amount with its VAT, e.g. "€147.00 incl. VAT"; empty before payment')
    invoice: InvoiceLink | None
    call: CallView | None
    support_email: str | None


class SessionState(_Model):
    id: uuid.UUID
    status: Status
    answers: dict[str, Any]
    confirmed: dict[str, Any]
    needs_confirmation: list[ToConfirm]
    teaser: dict[str, Any] | None = Field(description="the teaser (`Teaser`) once the quiz is complete")
    tier: str | None
    report: ReportState
    checkout: CheckoutState
    order: OrderView | None


class AnswersSaved(_Model):
    id: uuid.UUID
    status: Literal["in_progress"]
    answers: dict[str, Any]
    confirmed: dict[str, Any]
    needs_confirmation: list[ToConfirm]


class CheckoutStarted(_Model):
    url: str = Field(description="where to send the customer to pay")
    checkout_id: str | None
    reused: Annotated[bool, Field(description="the open checkout again: this session started enough of them")] = False


class Erased(_Model):
    id: uuid.UUID
    erased: Literal[True]


class Unsubscribed(_Model):
    unsubscribed: Literal[True]


class WebhookReceived(_Model):
    received: Literal[True]
    outcome: str = Field(description="what the event did, e.g. `fulfilled`, `duplicate`, `ignored`")


class Health(_Model):
    status: Literal["ok"]


class ErrorDetail(_Model):
    model_config = ConfigDict(extra="allow", frozen=True)  # details beside the three, e.g. every invalid answer

    code: str = Field(description="stable and machine-readable, e.g. `invalid_answers`")
    message: str = Field(description="for people; safe to show")
    field: str | None = Field(description="the input at fault, if one is")


class ErrorBody(_Model):
    error: ErrorDetail


RESPONSES: tuple[type[BaseModel], ...] = (
    QuizDocument,
    SessionCreated,
    SessionState,
    AnswersSaved,
    Teaser,
    CheckoutStarted,
    ReportState,
    Erased,
    Unsubscribed,
    WebhookReceived,
    Health,
    ErrorBody,
)
REQUESTS: tuple[type[BaseModel], ...] = (AnswersBody, CheckoutBody)
