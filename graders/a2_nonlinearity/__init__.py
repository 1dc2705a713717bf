"""Hidden checks of assignment a2_nonlinearity.

Every graded function of this assignment returns a pair ((W, b) or (w, c));
`returned_pair` takes it apart for the checks of both notebooks.
"""
import numpy as np

from graders.describe import kind_of


def returned_pair(grading, result, what, names, ndims):
    """The two parts of the pair an answer returned, or a failure that says what came
    back instead. A tuple or a list of two counts as a pair. `ndims` are the numbers of
    dimensions the two parts have, to recognise a pair returned the wrong way round."""
    first, second = names
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise grading.fail(f"{what} returned {kind_of(result)}; return the pair "
                           f"({first}, {second}), as in `return {first}, {second}`.")
    if ndims[0] != ndims[1] and (np.ndim(result[0]), np.ndim(result[1])) == ndims[::-1]:
        raise grading.fail(f"{what} returned ({second}, {first}); return them in the "
                           f"order ({first}, {second}).")
    return result[0], result[1]
