"""The code of the PyTorch autograd lecture (shared/seeds/000_...), unchanged but for the import.

`run(section)` executes one of the lecture's cells in a fresh namespace and returns nothing;
the tests capture what it prints.
"""

import chainrule as torch
from chainrule.autograd import Variable


def lecture():
    x_data = [1.0, 2.0, 3.0]
    y_data = [2.0, 4.0, 6.0]

    w = Variable(torch.Tensor([1.0]), requires_grad = True) # Any random value

    # 1. our forward pass model
    def forward(x):
        return x * w

    # 2. Loss function
    def loss(x, y):
        y_pred = forward(x)
        return (y_pred - y) * (y_pred - y)

    # Before training
    print("predict (before training)", 4, forward(4).data[0])

    # Training loop
    for epoch in range(100):
        for x_val, y_val in zip(x_data, y_data):
            l = loss(x_val, y_val) # 손실 정의
            l.backward() # backward(): 역전파를 통해 손실 계산
            print("\tgrad: ", x_val, y_val, w.grad.data[0])
            w.data = w.data - 0.01 * w.grad.data # 가중치 업데이트 # 계산된 경사도는 w.grad.data에 저장됨

            # Manually zero the gradients after updating weights
            w.grad.data.zero_()
        print("progress:", epoch, "w=", w, "loss=", l.data[0])

    # After training
    print("predict(after training)", 4, forward(4).data[0])


def exercise_1():
    # 0. weight
    w = Variable(torch.Tensor([1.0]), requires_grad = True) # Any random value

    # 1. our forward pass model
    def forward(x):
        return x * w

    # 2. Loss function
    def loss(x, y):
        y_pred = forward(x)
        return (y_pred - y) * (y_pred - y)

    loss(2, 4).backward() # backward(): 역전파를 통해 손실 계산
    print(w.grad)


def exercise_2():
    x_data = [1.0, 2.0, 3.0]
    y_data = [2.0, 4.0, 6.0]

    w_1 = Variable(torch.Tensor([1.0]), requires_grad = True) # Any random value
    w_2 = Variable(torch.Tensor([1.0]), requires_grad = True) # Any random value

    # 0. error term 설정

    b = 0

    # 1. our forward pass model
    def forward(x,b):
        return (x * x * w_2) + (x * w_1) + b

    # 2. Loss function
    def loss(x, b, y):
        y_pred = forward(x, b)
        return (y_pred - y) * (y_pred - y)

    # Before training
    print("predict (before training)", 4, forward(4, 0).data[0])

    # Training loop
    for epoch in range(100):
        for x_val, y_val in zip(x_data, y_data):
            l = loss(x_val, b, y_val) # 손실 정의
            l.backward() # backward(): 역전파를 통해 손실 계산
            print("\tgrad: ", x_val, y_val, w_1.grad.data[0], w_2.grad.data[0])
            w_1.data = w_1.data - 0.01 * w_1.grad.data # 가중치 업데이트 # 계산된 경사도는 w_1.grad.data에 저장됨
            w_2.data = w_2.data - 0.01 * w_2.grad.data # 가중치 업데이트 # 계산된 경사도는 w_2.grad.data에 저장됨

            # Manually zero the gradients after updating weights
            w_1.grad.data.zero_()
            w_2.grad.data.zero_()
        print("progress:", epoch, "w_1=", w_1, "w_2=", w_2, "loss=", l.data[0])

    # After training
    print("predict(after training)", 4, forward(4, 0).data[0])
