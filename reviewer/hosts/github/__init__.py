"""GitHub as a code host: references and the API client (``ref``, ``client``), the pull request
as a diff source (``source``), one review posted (``sink``, ``format``), the GitHub Actions glue
(``action``, ``workflow``), past review comments for `style learn` (``learn``), and the entry of
the host registry (``host``; see reviewer/hosts/)."""
