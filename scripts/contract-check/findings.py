"""What a check found that disagrees with the contracts or the model.

A Difference is billwh's behaviour (a wrong row, a wrong exit status, a hang); anything else
that goes wrong is the harness's own error and ends the run with status 2.
"""


class Difference(Exception):
    """`where`: the phase or check; `what`: one line; `details`: the rows or values that differ."""

    def __init__(self, where, what, *details):
        super().__init__(what)
        self.where = where
        self.what = what
        self.details = details

    def lines(self, width=600):
        out = ["[%s] %s" % (self.where, self.what)]
        for d in self.details:
            text = d if isinstance(d, str) else repr(d)
            out.append("    " + (text if len(text) <= width else text[:width] + " ..."))
        return out


class Findings(list):
    """The Differences of one scenario, in the order found."""

    def add(self, where, what, *details):
        self.append(Difference(where, what, *details))
