"""The cards a customer uses on the hosted page, in one place for the mock and
for the scenarios. A leaf module.

The playground's test card pays; any other number is declined (API notes).

ASSUMED READING: 3-D Secure. The API notes say only that the playground has a
3-D Secure scenario; SKN Pay's test card, its challenge (redirect, pop-up or
frame) and the failure's reason code are unknown. The mock follows Stripe's
habit: this card always asks for authentication, the hosted page answers with
a challenge step (an ordinary form: Complete / Fail, with a per-challenge
token), completing it pays the link, and failing it declines like a card
(payment.failed with Stripe's code, the link stays open). This is the one
place to change once a recording shows SKN Pay's own; on a live target the
3-D Secure tests run only when --sknpay-sandbox-features lists three_d_secure.
"""

TEST_CARD = "4111111111111111"
DECLINED_CARD_EXAMPLE = "4242424242424242"
THREE_D_SECURE_CARD = "4000002760003184"
