"""Style files written for the tests, shaped as maintainers write theirs: a coding agent's
system file with sections for code, pull requests and commits, and the coding and naming
guidelines of a C/C++ project's CONTRIBUTING.md (with a code example inside a rule)."""

AGENT_SYSTEM = """\
You are a coding agent working for the maintainers. Follow these rules:

General:
- Keep code, comments and explanations short and exact.
- PR and commit titles format: `<module> : <title>`. Look at recent ones for examples
- Do not build or run the project unless you are asked to

Coding:
- In case of doubt, read the CONTRIBUTING.md file of the project first
- Refer to issues in comments as `// ref: <url>` in C/C++ code and `# ref: <url>` elsewhere

Pull requests (PRs):
- Branch names start with "agent/"
- Ask the user to confirm the description before a pull request is opened
- Fill in the repository's PR template
- Open pull requests as drafts

Commits:
- Add an "Assisted-by: agent" trailer to every commit you make
- Leave the git author as the configuration sets it
- Always use `--no-gpg-sign` when committing
- Never push without the user's explicit agreement
"""

GUIDELINES = """\
# Coding guidelines

- Do not add third-party dependencies, new headers or extra files without a reason
- Think of other operating systems, compilers and CPU architectures with every change
- Prefer plain `for` loops to clever STL constructs; avoid templates; keep the code simple
- Line things up vertically where it makes a block easier to read and to edit in bulk
- No trailing whitespace, 4 spaces of indentation, braces on the same line, `void * ptr`, `int & a`
- Use sized integer types such as `int32_t` in the public API; `size_t` for sizes and indices
- Write `struct foo {}`, not `typedef struct foo {} foo`
    - In C++ code, omit the optional `struct` and `enum` keywords where they are not needed
    ```cpp
    // good
    model_context * ctx;
    const rope_kind kind;

    // bad
    struct model_context * ctx;
    const enum rope_kind kind;
    ```
- Follow the patterns of the code around a change (spacing, naming, order of arguments)
- Tensors are row-major: dimension 0 is the columns, 1 the rows, 2 the matrices
- Matrix multiplication is unusual here: `C = mul(A, B)` computes `C^T = A B^T`

# Naming guidelines

- Use `snake_case` for the names of functions, variables and types
- Put the most common words first, the most specific last, so that related names sort together
    ```cpp
    // good
    int number_small;
    int number_big;

    // bad
    int small_number;
    int big_number;
    ```
- Name enum values in upper case, prefixed with the enum's name
    ```cpp
    enum vocab_type {
        VOCAB_TYPE_NONE = 0,
        LLAMA_VOCAB_TYPE_SPM  = 1,
        VOCAB_TYPE_BPE  = 2,
    };
    ```
- Function names follow `<class>_<method>`, where `<method>` is `<action>_<noun>`
    ```cpp
    model_init();            // class: "model", method: "init"
    context_set_embeddings(); // class: "context", method: "set_embeddings"
    ```
- The `_t` suffix marks an opaque type; a struct does not get it
- C/C++ source files use lower case with dashes: `.h`, `.c`, `.cpp`; Python files use underscores
"""
