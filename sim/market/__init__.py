"""The model: its state, how the starting market is drawn, the weekly step order
(``model.MarketModel``), the Mesa agents as views on the state, and the scaling of a market."""
