//! A record's id as its file gives it: a JSON string or integer. The id is compared and shown
//! as text; an integer id is written back as an integer (`{"id": 7}` stays `{"id": 7}`).

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A record id: its text, and whether the file wrote it as an integer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId {
    text: String,
    integer: bool,
}

impl RecordId {
    /// The id as text (an integer in decimal).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the file wrote it as an integer.
    pub fn is_integer(&self) -> bool {
        self.integer
    }

    /// The id as JSON: a number for an integer id, a string otherwise.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_else(|_| self.text.clone().into())
    }
}

impl std::ops::Deref for RecordId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<String> for RecordId {
    fn from(text: String) -> Self {
        RecordId {
            text,
            integer: false,
        }
    }
}

impl From<&str> for RecordId {
    fn from(text: &str) -> Self {
        RecordId::from(text.to_string())
    }
}

impl PartialEq<str> for RecordId {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for RecordId {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl Serialize for RecordId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.integer {
            if let Ok(n) = self.text.parse::<i64>() {
                return serializer.serialize_i64(n);
            }
            if let Ok(n) = self.text.parse::<u64>() {
                return serializer.serialize_u64(n);
            }
        }
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for RecordId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor;
        impl Visitor<'_> for IdVisitor {
            type Value = RecordId;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or an integer")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<RecordId, E> {
                Ok(RecordId::from(s))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<RecordId, E> {
                Ok(RecordId::from(s))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<RecordId, E> {
                Ok(RecordId {
                    text: n.to_string(),
                    integer: true,
                })
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<RecordId, E> {
                Ok(RecordId {
                    text: n.to_string(),
                    integer: true,
                })
            }
        }
        deserializer.deserialize_any(IdVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::RecordId;

    #[test]
    fn integers_and_strings_keep_their_type() {
        for json in ["7", "-3", "18446744073709551615", "\"7\"", "\"a-1\""] {
            let id: RecordId = serde_json::from_str(json).unwrap();
            assert_eq!(serde_json::to_string(&id).unwrap(), json);
        }
        let id: RecordId = serde_json::from_str("7").unwrap();
        assert_eq!(id, "7");
        assert!(id.is_integer());
        assert!(serde_json::from_str::<RecordId>("1.5").is_err());
        assert!(serde_json::from_str::<RecordId>("null").is_err());
    }
}
