use super::utc_day;

#[test]
fn days() {
    assert_eq!(utc_day(0), "1970-01-01");
    assert_eq!(utc_day(951_782_400_000), "2000-02-29");
    assert_eq!(utc_day(1_795_392_000_000), "2026-11-23");
    assert_eq!(utc_day(1_795_392_000_000 - 1), "2026-11-22");
}
