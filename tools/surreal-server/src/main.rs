//! `rehearse-surreal-server start --bind 127.0.0.1:8000 --user root --pass secret memory`:
//! the stock SurrealDB command line, built from the published server library.

fn main() -> std::process::ExitCode {
    surrealdb_server::init(surrealdb_server::core::CommunityComposer())
}
