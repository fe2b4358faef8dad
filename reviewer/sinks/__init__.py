"""What every report shares (``report``): a comment's place and link, writing a report file.
Posting a review is a host's sink (``hosts.CommentSink``)."""
