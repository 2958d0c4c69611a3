//! What customers do besides contacting support: engagement and orders.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::moment::Moment;
use crate::validation::Problems;

/// A customer's engagement: a site visit, a social interaction, a login, an e-mail opened …
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EngagementEvent {
    pub id: String,
    pub at: Moment,
    pub customer_id: String,
    /// visit, social, login, email_open, … (an open vocabulary). The data model calls this
    /// field `kind`; the interchange format writes it `activity`, because `kind` names the
    /// record kind in a JSON Lines file.
    pub activity: String,
}

impl EngagementEvent {
    pub fn validate(&self, p: &mut Problems) {
        p.id("id", &self.id);
        p.id("customer_id", &self.customer_id);
        p.text("activity", &self.activity);
    }
}

/// An order, for customer lifetime value and returning customers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub at: Moment,
    pub customer_id: String,
    /// A decimal amount, written as a string ("1250000.50") or a number.
    pub amount: Decimal,
    /// ISO 4217 code, e.g. VND, USD.
    pub currency: String,
}

impl Order {
    pub fn validate(&self, p: &mut Problems) {
        p.id("id", &self.id);
        p.id("customer_id", &self.customer_id);
        if self.amount.is_sign_negative() && !self.amount.is_zero() {
            p.add(
                "amount",
                format!("{} is negative; an order amount is ≥ 0", self.amount),
            );
        }
        if !(self.currency.len() == 3 && self.currency.bytes().all(|b| b.is_ascii_uppercase())) {
            p.add(
                "currency",
                format!(
                    "`{}` is not an ISO 4217 code (three capital letters, e.g. VND)",
                    self.currency
                ),
            );
        }
    }
}
