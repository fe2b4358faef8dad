"""What the tests run the code against instead of the world: a fake GitHub over real HTTP
(``github``), scripted model backends (``backends``), diffs written by hand (``diffs``) and
built by git in temporary repositories (``gitdiffs``), and Actions event payloads (``events``)."""
