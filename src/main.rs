// mimalloc: lint allocates a String per SQL word (sqlparser's tokenizer) and many small
// vectors; glibc's malloc/free were a fifth of the instructions on a large file.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(preflight::cli::main());
}
