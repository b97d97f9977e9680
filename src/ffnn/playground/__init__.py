"""The playground: a web page, served by ffnn, where a learner changes the data,
the network and the training and watches them learn, live.

``ffnn playground`` starts the server (:mod:`ffnn.playground.server`, a
Starlette app run by uvicorn: ``pip install "ffnn[playground]"``) and opens the
page. Each browser tab owns a :class:`~ffnn.playground.session.Session`, which
trains with ffnn's own loop; the WebSocket protocol between page and server is
in ``PROTOCOL.md`` beside this file. The modules:

* :mod:`~ffnn.playground.data`: the data sets, the uploaded CSV, the features;
* :mod:`~ffnn.playground.settings`: the settings and their checks;
* :mod:`~ffnn.playground.session`: one tab's data, network and training;
* :mod:`~ffnn.playground.views`: the maps and the diagnostics;
* :mod:`~ffnn.playground.snippets`: the ``ffnn train`` command and Python;
* :mod:`~ffnn.playground.server`: the web server.

Importing this package loads neither Starlette nor uvicorn; only the server
module does.
"""
