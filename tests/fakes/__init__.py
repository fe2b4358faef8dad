"""What the tests run the code against instead of the world: a fake GitHub over real HTTP
(``github``), scripted model backends (``backends``), diffs written by hand (``diffs``) and
built by git in temporary repositories (``gitdiffs``), Actions event payloads (``events``), an
OpenAI-compatible model server whose model may think (``openai_server``), and a Hugging Face
Hub serving GGUF files (``hub``)."""
