//! Countries stated by their cities: "Is the role in Finland?" is answered by "our office in
//! central Helsinki". A city counts only where the text names it as a place ("in Helsinki",
//! "our London office"), not where the same word is a person ("you would report to Milan
//! Novák"). One direction only: a country stated says nothing of the city.

use super::lexicon::{CITY_COUNTRIES, COUNTRY_NAMES};

/// Words up to two places before a city that make it a place ("in central Helsinki", "based
/// in Berlin").
const PLACE_BEFORE: &[&str] = &["in", "at", "from", "near", "around", "based"];

/// Words right after a city that make it a place ("our London office").
const PLACE_AFTER: &[&str] = &[
    "office",
    "offices",
    "hq",
    "headquarters",
    "area",
    "region",
    "hub",
    "campus",
    "site",
    "studio",
];

/// The countries a text states by naming one of their cities as a place.
pub(crate) fn countries_by_city(text: &str) -> Vec<&'static str> {
    let words = crate::terms::words(text);
    let mut out: Vec<&'static str> = Vec::new();
    for (city, country) in CITY_COUNTRIES {
        let parts: Vec<&str> = city.split(' ').collect();
        let as_place = words.windows(parts.len()).enumerate().any(|(i, w)| {
            w.iter().zip(&parts).all(|(a, b)| a == b)
                && (words[i.saturating_sub(2)..i]
                    .iter()
                    .any(|b| PLACE_BEFORE.contains(&b.as_str()))
                    || words
                        .get(i + parts.len())
                        .is_some_and(|a| PLACE_AFTER.contains(&a.as_str())))
        });
        if as_place && !out.contains(country) {
            out.push(country);
        }
    }
    out
}

/// The country a name stands for, by its own name or another ("UK": "united kingdom").
pub(crate) fn country_named(name: &str) -> Option<&'static str> {
    let words = crate::terms::words(name);
    let name = match words.split_first() {
        Some((the, rest)) if the == "the" => rest.join(" "),
        _ => words.join(" "),
    };
    CITY_COUNTRIES
        .iter()
        .map(|(_, c)| *c)
        .find(|c| *c == name)
        .or_else(|| {
            COUNTRY_NAMES
                .iter()
                .find(|(_, others)| others.contains(&name.as_str()))
                .map(|(c, _)| *c)
        })
}

/// Every name of a country: its own and its other names.
pub(crate) fn names_of(country: &'static str) -> impl Iterator<Item = &'static str> {
    std::iter::once(country).chain(
        COUNTRY_NAMES
            .iter()
            .filter(move |(c, _)| *c == country)
            .flat_map(|(_, others)| others.iter().copied()),
    )
}

/// Whether `place` names a country that `evidence` states by one of its cities, as a place.
pub(crate) fn stated_by_its_city(place: &str, evidence: &str) -> bool {
    country_named(place).is_some_and(|c| countries_by_city(evidence).contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_city_states_its_country_only_as_a_place() {
        assert!(stated_by_its_city(
            "Finland",
            "Our office is in central Helsinki."
        ));
        assert!(stated_by_its_city(
            "the UK",
            "Two days a week at our London office"
        ));
        assert!(stated_by_its_city("USA", "Our New York office"));
        assert!(!stated_by_its_city(
            "Sweden",
            "Our office is in central Helsinki."
        ));
        // A person's name is no place.
        assert!(!stated_by_its_city(
            "Italy",
            "You would report to Milan Novák, our Head of Platform"
        ));
        assert!(!stated_by_its_city(
            "France",
            "Paris Hilton is not on the team"
        ));
    }
}
