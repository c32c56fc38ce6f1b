//! Closed sets stored as text. One declaration gives the enum, the spelling its column holds
//! and the parse back, so no variant can be written without also being readable: a status or
//! kind added to the enum is added to both directions at once. The enum also decodes straight
//! from a text column (`row.try_get`, `#[derive(sqlx::FromRow)]`), so no reader repeats the
//! parse, and a spelling no variant has is a decode error ([`crate::DbError::Corrupt`]).

/// Declares a `Copy` enum whose variants are stored as fixed spellings, with `as_str` (the
/// spelling written), `parse` (the variant read back; `None` for any other text) and `ALL`
/// (every variant, in the order declared), and decodes from a text column of the `Any`
/// driver.
#[macro_export]
macro_rules! spelled_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $spelling:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every variant, in the order declared.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The spelling stored in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $spelling, )+
                }
            }

            /// Every spelling, in the order declared: the choices of a filter that takes them.
            pub fn spellings() -> Vec<String> {
                vec![$($spelling.to_owned()),+]
            }

            /// The variant a stored spelling names; `None` for any other text.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $( $spelling => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl $crate::__sqlx::Type<$crate::__sqlx::Any> for $name {
            fn type_info() -> <$crate::__sqlx::Any as $crate::__sqlx::Database>::TypeInfo {
                <String as $crate::__sqlx::Type<$crate::__sqlx::Any>>::type_info()
            }

            fn compatible(ty: &<$crate::__sqlx::Any as $crate::__sqlx::Database>::TypeInfo) -> bool {
                <String as $crate::__sqlx::Type<$crate::__sqlx::Any>>::compatible(ty)
            }
        }

        impl<'r> $crate::__sqlx::Decode<'r, $crate::__sqlx::Any> for $name {
            fn decode(
                value: <$crate::__sqlx::Any as $crate::__sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, $crate::__sqlx::error::BoxDynError> {
                let text = <String as $crate::__sqlx::Decode<'r, $crate::__sqlx::Any>>::decode(value)?;
                $name::parse(&text).ok_or_else(|| {
                    format!("{} has no variant spelled {text:?}", stringify!($name)).into()
                })
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::spelled_enum! {
        /// A test set.
        enum Colour {
            /// The first.
            Red = "red",
            Dark = "dark_blue",
        }
    }

    #[test]
    fn every_variant_reads_back_as_it_is_spelled() {
        for &c in Colour::ALL {
            assert_eq!(Colour::parse(c.as_str()), Some(c));
        }
        assert_eq!(Colour::ALL, &[Colour::Red, Colour::Dark]);
        assert_eq!(Colour::Dark.as_str(), "dark_blue");
        assert_eq!(Colour::parse("dark blue"), None);
        assert_eq!(Colour::spellings(), ["red", "dark_blue"]);
    }
}
