//! The closed sets of values an interview and a job description move through: who wrote a
//! message, an interview's status, kind and difficulty, and a job-description version's
//! ingestion status.
//!
//! Each set is defined once, here, and shared by the server, the database layer (the domain
//! crates re-export these types under their own names) and the browser, so a value is checked
//! by the compiler everywhere instead of compared as a string. Every value has three names:
//! the stored name (`as_str`, `parse`, and serde: in the database, in JSON and in machine
//! attributes such as `data-author`), and the label people read (`label`). The stored names
//! are the ones already in the database and on the wire: never rename one.

use serde::{Deserialize, Serialize};

/// Defines a closed set from one table of `Variant => "stored name", "Label";` rows: the enum
/// (its derives, and serde using the stored name), `ALL` (every value, in table order),
/// `as_str`, `parse`, `label`, and comparison with a stored name (`value == "paused"`, for
/// tests and JSON checks).
macro_rules! closed_set {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident => $stored:literal, $label:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(
                $(#[$variant_meta])*
                #[serde(rename = $stored)]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &[$name] = &[$($name::$variant),+];

            /// The stored name: in the database, in JSON and in machine attributes.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $stored,)+
                }
            }

            /// The value whose stored name is `text`; None for any other text.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($stored => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The name shown to people.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }
        }

        /// Compares with a stored name (`message.author == "candidate"`).
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
}

closed_set! {
    /// Who wrote a message.
    Author {
        Candidate => "candidate", "Candidate";
        Interviewer => "interviewer", "Interviewer";
    }
}

closed_set! {
    /// Where an interview is: running, paused (by a failure or the candidate; it can be
    /// resumed), or over.
    InterviewStatus {
        Active => "active", "In progress";
        Paused => "paused", "Paused";
        Done => "done", "Finished";
    }
}

closed_set! {
    /// The type of interview a candidate chose.
    InterviewKind {
        Technical => "technical", "Technical";
        SystemDesign => "system_design", "System design";
        Behavioural => "behavioural", "Behavioural";
    }
}

closed_set! {
    /// The level an interview's questions are pitched at.
    Difficulty {
        Junior => "junior", "Junior";
        Mid => "mid", "Mid-level";
        Senior => "senior", "Senior";
    }
}

closed_set! {
    /// How far a job-description version's ingestion has got; only a ready version is
    /// searchable.
    VersionStatus {
        Queued => "queued", "Queued";
        Ingesting => "ingesting", "Ingesting";
        Ready => "ready", "Ready";
        Failed => "failed", "Failed";
        Deleted => "deleted", "Deleted";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value of `$name` round-trips through its stored name, by hand and through JSON,
    /// compares equal to it, and has a label; other text parses to nothing.
    macro_rules! round_trips {
        ($name:ident) => {
            for &value in $name::ALL {
                let stored = value.as_str();
                assert_eq!($name::parse(stored), Some(value));
                assert!(value == stored);
                let json = serde_json::to_string(&value).expect("serialises");
                assert_eq!(json, format!("\"{stored}\""));
                let back: $name = serde_json::from_str(&json).expect("deserialises");
                assert_eq!(back, value);
                assert!(!value.label().is_empty());
            }
            assert_eq!($name::parse("no such value"), None);
            assert!(serde_json::from_str::<$name>("\"no such value\"").is_err());
        };
    }

    #[test]
    fn every_value_round_trips_through_its_stored_name() {
        round_trips!(Author);
        round_trips!(InterviewStatus);
        round_trips!(InterviewKind);
        round_trips!(Difficulty);
        round_trips!(VersionStatus);
    }

    /// The names already in the database and on the wire.
    #[test]
    fn stored_names_do_not_change() {
        fn names<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<&'static str> {
            all.iter().map(|&v| as_str(v)).collect()
        }
        assert_eq!(
            names(Author::ALL, Author::as_str),
            ["candidate", "interviewer"]
        );
        assert_eq!(
            names(InterviewStatus::ALL, InterviewStatus::as_str),
            ["active", "paused", "done"]
        );
        assert_eq!(
            names(InterviewKind::ALL, InterviewKind::as_str),
            ["technical", "system_design", "behavioural"]
        );
        assert_eq!(
            names(Difficulty::ALL, Difficulty::as_str),
            ["junior", "mid", "senior"]
        );
        assert_eq!(
            names(VersionStatus::ALL, VersionStatus::as_str),
            ["queued", "ingesting", "ready", "failed", "deleted"]
        );
    }

    #[test]
    fn labels_are_for_people() {
        assert_eq!(InterviewKind::SystemDesign.label(), "System design");
        assert_eq!(Difficulty::Mid.label(), "Mid-level");
        assert_eq!(InterviewStatus::Done.label(), "Finished");
        assert_eq!(Author::Candidate.label(), "Candidate");
    }
}
